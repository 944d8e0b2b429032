"""CRM exports in: reading untrusted CSV/XLSX files safely, planning and applying customer, interaction and deal imports, and the upload between preview and ✅."""
