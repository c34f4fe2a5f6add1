"""Report layer: charts (DataFrame -> plotly figure), captions, and exports (PNG/SVG/PDF, CSV/XLSX)."""
