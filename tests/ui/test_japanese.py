"""Japanese throughout: Qt's own standard texts too, English still available (issue 12)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit

from ui.app import install_qt_translations


def _standard_texts() -> tuple[list[str], list[str]]:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                           | QDialogButtonBox.StandardButton.Cancel)
    line = QLineEdit()  # the menu is its child: keep it alive
    menu = line.createStandardContextMenu()
    return [b.text() for b in box.buttons()], [a.text() for a in menu.actions() if a.text()]


def test_standard_buttons_and_context_menus_in_japanese_and_back_to_english(qapp):
    try:
        install_qt_translations(qapp, "ja")
        buttons, menu = _standard_texts()
        assert "キャンセル" in buttons
        assert any(text.startswith("貼り付け") for text in menu)
        assert any(text.startswith("元に戻す") for text in menu)
        assert QApplication.translate("QFileDialog", "Open") == "開く"
        install_qt_translations(qapp, "en")
        buttons, menu = _standard_texts()
        assert "Cancel" in buttons
        assert any(text.startswith("&Paste") for text in menu)
    finally:
        install_qt_translations(qapp, "ja")


def test_chart_pictures_draw_japanese_with_the_japanese_font(qtbot):
    """matplotlib now loads in the render thread (start-up, issue 12): the Japanese font
    must still be in place before the first figure, or labels draw as empty boxes."""
    import warnings

    from ui.chart_canvas import ChartCanvas

    canvas = ChartCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(400, 300)
    canvas.show()
    caught: list[str] = []

    def draw(figure) -> None:
        with warnings.catch_warnings(record=True) as found:
            warnings.simplefilter("always")
            ax = figure.add_subplot()
            ax.set_title("職員の作業時間（千時間）")
            figure.canvas.draw()
        caught.extend(str(w.message) for w in found)

    canvas.draw(draw)
    qtbot.waitUntil(lambda: canvas.image() is not None, timeout=20000)
    assert not [m for m in caught if "missing from font" in m]
