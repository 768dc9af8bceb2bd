"""The staff console (/admin): server-rendered pages, one module per area."""
