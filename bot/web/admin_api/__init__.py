"""The admin JSON API (/api/admin): the checks the console calls too, one module per resource group."""
