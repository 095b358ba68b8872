"""Reading and writing survey workbooks: format spec, normalization, import, template."""
