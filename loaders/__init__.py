"""Files in and out: interchange tables (CSV/TSV/XLSX), validation, loading, exports, the demo region."""
