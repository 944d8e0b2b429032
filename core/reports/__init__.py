"""What managers read: the tier summary (request, figures, lifetime value, drill-down), its chart, the dashboard, the weekly push and spreadsheet exports."""
