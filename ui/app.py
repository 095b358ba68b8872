"""Start the desktop app: ``bpr-studio gui [PROJECT] [--screenshot FILE.png]``."""

from __future__ import annotations

import gc
import importlib.util
import sys
from pathlib import Path

# isort: off
# The computing libraries before Qt: PySide6 looks for its `__feature__` switch in the
# source of every module imported after it (inspect.getsource on each of ~1,000 modules
# of pandas, SQLAlchemy and networkx, a tenth of the start-up); imported first, they are
# never read (issue 12: the window within 2 s).
import ui.session_tasks  # noqa: F401
# isort: on
from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from ui.i18n import set_language


def japanese_font_file() -> Path | None:
    """The IPAexGothic file that ships with ``matplotlib_fontja``, found without importing
    it: its import imports matplotlib (0.2–0.3 s of start-up, before the window shows)."""
    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "fonts" / "ipaexg.ttf"


def load_japanese_font(app: QApplication) -> str | None:
    """Register the bundled IPAexGothic so Japanese renders on any PC; return its family."""
    font_file = japanese_font_file()
    if font_file is None:
        return None
    font_id = QFontDatabase.addApplicationFont(str(font_file))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        return None
    font = QFont(families[0], app.font().pointSize() if app.font().pointSize() > 0 else 10)
    app.setFont(font)
    return families[0]


def install_qt_translations(app: QApplication, lang: str) -> QTranslator | None:
    """Qt's own Japanese for standard dialogs, buttons and context menus (OK/キャンセル,
    元に戻す/切り取り/貼り付け, the file dialog), from the translations that ship with
    PySide6. English needs none. Returns the installed translator (kept alive on ``app``)."""
    for old in getattr(app, "_bpr_translators", []):
        app.removeTranslator(old)
    app._bpr_translators = []  # type: ignore[attr-defined]
    if lang != "ja":
        QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
        return None
    QLocale.setDefault(QLocale(QLocale.Language.Japanese, QLocale.Country.Japan))
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    translator = QTranslator(app)
    if not translator.load("qtbase_ja", folder):
        return None  # a Qt without translations: English standard texts, nothing breaks
    app.installTranslator(translator)
    app._bpr_translators.append(translator)  # type: ignore[attr-defined]
    return translator


GIL_SWITCH_SECONDS = 0.001


def tune_garbage_collector() -> None:
    """Keep the GUI responsive while workers build large tables and graphs.

    A full collection walks every object while holding the GIL: with a whole city hall
    loaded that is 100–300 ms, and it runs in whichever thread allocates, so a worker
    building graphs froze the window at each one. Objects loaded so far are frozen (never
    scanned again) and full collections become rare; reference counting frees the rest.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 1_000)
    # Every Python slot, paint of a table cell or timer tick the GUI thread runs while a
    # worker computes must first win the GIL back, which a running thread gives up only
    # every switch interval (5 ms by default). A view refresh makes hundreds of such calls;
    # at 1 ms the window waits a fifth as long each time (measured on the 2-core machine:
    # median wait 10.8 → 5.0 ms with a busy worker), and the worker loses little.
    sys.setswitchinterval(GIL_SWITCH_SECONDS)


def ensure_application(lang: str = "ja") -> QApplication:
    set_language(lang)
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("BPR Studio")
        app.setOrganizationName("BPRStudio")
        load_japanese_font(app)
        tune_garbage_collector()
    assert isinstance(app, QApplication)
    install_qt_translations(app, lang)
    return app


def install_error_boundary() -> None:
    """An exception escaping a slot or a thread is logged with its trace and shown as
    "internal error" with the log's path; the app keeps running."""
    import threading

    from bpr_studio.errors import describe_failure
    from ui.i18n import language, tr
    from ui.notify import show_message

    def show(exc: BaseException) -> None:
        text = describe_failure(exc, language())
        window = QApplication.activeWindow()
        if window is not None:
            show_message(window, tr("internal_error_title"), text)
        else:
            print(text, file=sys.stderr)

    def excepthook(kind: type[BaseException], exc: BaseException, trace: object) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, exc, trace)  # type: ignore[arg-type]
            return
        show(exc)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            from bpr_studio.errors import log_exception

            log_exception(args.exc_value, f"thread {args.thread.name if args.thread else ''}")

    sys.excepthook = excepthook
    threading.excepthook = thread_hook


def run_gui(project: Path | None = None, screenshot: Path | None = None,
            lang: str | None = None) -> int:
    """``lang`` None: the language chosen in the app (表示 > 言語), Japanese by default."""
    from PySide6.QtCore import QSettings

    from bpr_studio.sample_project import ensure_sample_project
    from ui.main_window import MainWindow

    chosen = lang or str(QSettings("BPRStudio", "BPR Studio").value("lang", "ja"))
    app = ensure_application(chosen)
    install_error_boundary()
    window = MainWindow()
    if not window.open_path(project or ensure_sample_project()):
        return 2
    window.show()
    if screenshot is not None:
        from ui.screenshots import wait_until, wait_until_ready

        window.resize(1366, 800)  # a typical office laptop screen, whatever the settings say
        from ui.chart_canvas import wait_for_renders
        from ui.screenshots import settle

        wait_until_ready(app, window)
        from ui.chart_canvas import ChartCanvas

        # The first picture also imports matplotlib in its render thread: wait for every
        # visible chart's picture, not only for the threads already started.
        wait_until(app, lambda: all(c.image() is not None
                                    for c in window.findChildren(ChartCanvas) if c.isVisible()),
                   30)
        wait_for_renders()
        settle(app)  # the pictures arrive through the event loop
        window.grab().save(str(screenshot))
        window.close()
        return 0
    return app.exec()
