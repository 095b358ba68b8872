"""File ▸ データベースを開く: a small dialog asking where a team's shared project is
(server, port, database, user; docs/team.md), giving a ``postgresql://`` URL.

The password is not kept in the URL the app remembers: it is asked for here each time,
or read by the PostgreSQL driver from the user's password file (pgpass), so it never
lands in the app's settings or window titles.
"""

from __future__ import annotations

from urllib.parse import quote

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ui.i18n import tr


def database_url(host: str, port: int, database: str, user: str, password: str = "") -> str:
    """``postgresql://user[:password]@host[:port]/database``, each part quoted.

    >>> database_url("db.city.local", 5432, "bpr", "yamada")
    'postgresql://yamada@db.city.local/bpr'
    >>> database_url("db", 5433, "bpr", "山田", "p@ss")
    'postgresql://%E5%B1%B1%E7%94%B0:p%40ss@db:5433/bpr'
    """
    credentials = quote(user.strip(), safe="")
    if password:
        credentials += ":" + quote(password, safe="")
    address = host.strip() + ("" if port == 5432 else f":{port}")
    return f"postgresql://{credentials}@{address}/{quote(database.strip(), safe='')}"


class DatabaseDialog(QDialog):
    """Asks for a PostgreSQL project's address; ``url()`` once accepted."""

    def __init__(self, parent: QWidget | None = None, host: str = "localhost",
                 database: str = "bpr", user: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("db_open_title"))
        self.host_edit = QLineEdit(host)
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(5432)
        self.database_edit = QLineEdit(database)
        self.user_edit = QLineEdit(user)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(tr("db_password_hint"))
        form = QFormLayout()
        form.addRow(tr("db_host"), self.host_edit)
        form.addRow(tr("db_port"), self.port_spin)
        form.addRow(tr("db_name"), self.database_edit)
        form.addRow(tr("db_user"), self.user_edit)
        form.addRow(tr("db_password"), self.password_edit)
        note = QLabel(tr("db_open_note"))
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        for edit in (self.host_edit, self.database_edit, self.user_edit):
            edit.textChanged.connect(self._update_ok)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._update_ok()

    def _update_ok(self) -> None:
        ready = all(e.text().strip() for e in (self.host_edit, self.database_edit, self.user_edit))
        button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if button is not None:
            button.setEnabled(ready)

    def url(self) -> str:
        return database_url(self.host_edit.text(), self.port_spin.value(),
                            self.database_edit.text(), self.user_edit.text(),
                            self.password_edit.text())


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    dialog = DatabaseDialog(user="yamada")
    if dialog.exec():
        print(dialog.url())
