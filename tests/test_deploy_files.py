"""The systemd units and the nginx example in docs/deploy are valid (checked by the real tools when installed)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy"
INSTALL_DIR = "/opt/wufei"


def _localised(unit: str, tmp_path: Path, name: str) -> Path:
    """The unit with /opt/wufei pointing at this checkout (so ExecStart exists) and the env file in tmp_path."""
    env_file = tmp_path / "wufei.env"
    env_file.write_text((DEPLOY / "wufei.env.example").read_text(encoding="utf-8"), encoding="utf-8")
    venv = Path(sys.executable).parent.parent  # the venv running the tests holds the `wufei` script
    text = (DEPLOY / unit).read_text(encoding="utf-8")
    text = text.replace(f"{INSTALL_DIR}/.venv", str(venv)).replace(INSTALL_DIR, str(ROOT))
    text = text.replace("/etc/wufei/wufei.env", str(env_file))
    target = tmp_path / name
    target.write_text(text, encoding="utf-8")
    return target


def _verify(path: Path) -> list[str]:
    """Problems systemd-analyze reports about this unit file (other units' noise is left out)."""
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed")
    done = subprocess.run([tool, "verify", str(path)], capture_output=True, text=True, timeout=60)
    lines = [line for line in (done.stdout + done.stderr).splitlines() if path.name in line or path.stem in line]
    if done.returncode != 0:
        lines.append(f"exit {done.returncode}")
    return lines


@pytest.mark.parametrize(
    ("unit", "name"), [("wufei.service", "wufei.service"), ("wufei@.service", "wufei@8001.service")]
)
def test_systemd_units_verify_clean(unit: str, name: str, tmp_path: Path) -> None:
    assert _verify(_localised(unit, tmp_path, name)) == []


def test_the_verifier_catches_a_broken_unit(tmp_path: Path) -> None:
    path = _localised("wufei.service", tmp_path, "broken.service")
    path.write_text(
        path.read_text(encoding="utf-8").replace("Restart=on-failure", "Restart=sometimes"), encoding="utf-8"
    )
    assert _verify(path)


def test_units_read_the_environment_file_and_serve_on_loopback() -> None:
    for unit in ("wufei.service", "wufei@.service"):
        text = (DEPLOY / unit).read_text(encoding="utf-8")
        assert "EnvironmentFile=/etc/wufei/wufei.env" in text
        assert "WorkingDirectory=/opt/wufei" in text and "User=wufei" in text
    assert "--host 127.0.0.1 --port %i" in (DEPLOY / "wufei@.service").read_text(encoding="utf-8")


def test_the_env_example_is_read_by_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import load_settings

    for name in ("WUFEI_HOST", "WUFEI_PORT", "WUFEI_DATA_DIR", "WUFEI_DATABASE_URL", "WUFEI_LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WUFEI_ENV_FILE", str(DEPLOY / "wufei.env.example"))
    settings = load_settings()
    assert settings.data_dir == Path("/opt/wufei/data") and settings.db_url.startswith("postgresql+psycopg://wufei:")


def test_nginx_example_passes_nginx_t(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed")
    certs = tmp_path / "ssl"
    certs.mkdir()
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (needed for a throwaway certificate)")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=wufei.example.cn",
         "-keyout", str(certs / "privkey.pem"), "-out", str(certs / "fullchain.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = (DEPLOY / "nginx-wufei.conf").read_text(encoding="utf-8").replace("/etc/ssl/wufei", str(certs))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    mime = "include /etc/nginx/mime.types;" if Path("/etc/nginx/mime.types").exists() else ""
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ {mime} access_log off; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path};\n"
        f"include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )
    done = subprocess.run([nginx, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
