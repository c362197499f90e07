"""Views: results and subgraphs as offline, escaped interactive HTML (returned, never written)."""
