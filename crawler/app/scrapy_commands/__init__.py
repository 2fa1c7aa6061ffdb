"""Scrapy commands of the morgue project (``COMMANDS_MODULE`` in crawler/settings.py)."""
