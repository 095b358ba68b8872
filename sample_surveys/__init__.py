"""Sample survey workbooks that ship with the app, and the generator of large ones."""
