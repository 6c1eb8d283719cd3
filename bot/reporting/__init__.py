"""Reporting: program statistics, posting them, the chart, the App Home and the CSV export."""
