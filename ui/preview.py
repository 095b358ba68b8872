"""Open the app on the sample project at one view: ``python -m ui.<view_module>``.

Each view module ends with a call to :func:`preview`, so a view can be looked at on
realistic data on its own while it is being worked on.
"""

from __future__ import annotations

import sys


def preview(view_attribute: str) -> None:
    from bpr_studio.sample_project import ensure_sample_project
    from ui.app import ensure_application
    from ui.main_window import MainWindow

    app = ensure_application("en" if "--en" in sys.argv else "ja")
    window = MainWindow()
    window.open_path(ensure_sample_project())
    window.nav.setCurrentRow(window.stack.indexOf(getattr(window, view_attribute)))
    window.show()
    sys.exit(app.exec())
