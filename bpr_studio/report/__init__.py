"""The executive Excel report (``bpr-studio report``)."""
