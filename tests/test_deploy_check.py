import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_production_settings_pass_the_deploy_check_without_warnings():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "deploy-check-" + "x7Kq2mZp9Lr4Vt8Nw3Jb6Hc1Fd5Gs0Ya" * 2,
        "DJANGO_ALLOWED_HOSTS": "closetspace.example",
        "HF_HUB_OFFLINE": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output.upper().replace("WARNINGS: 0", "")
    assert "System check identified no issues" in output


def test_production_mode_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")}
    env["DJANGO_DEBUG"] = "0"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


COMPOSE_DEFAULT = re.compile(r"\$\{(\w+):?[-?]([^}]*)\}")


def compose_web_environment() -> dict[str, str]:
    """The web service's environment as docker/compose.yaml sets it when nothing is overridden (each ${VAR:-default}
    is its default; the one required variable, the secret key, gets a value)."""
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    raw = compose["services"]["web"]["environment"]
    values = {key: COMPOSE_DEFAULT.sub(lambda m: m.group(2), str(value)) for key, value in raw.items()}
    values["DJANGO_SECRET_KEY"] = "compose-check-" + "x7Kq2mZp9Lr4Vt8Nw3Jb6Hc1Fd5Gs0Ya" * 2
    return values


def test_compose_defaults_pass_the_deploy_check_without_warnings():
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "REDIS_URL"))},
        **compose_web_environment(),
        "HF_HUB_OFFLINE": "1",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output


def test_compose_trusts_forwarded_addresses_only_from_its_own_nginx():
    compose = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
    nginx_address = compose["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    assert compose_web_environment()["DJANGO_TRUSTED_PROXIES"] == nginx_address


def test_plain_http_only_redirects_to_https():
    plain = re.search(r"server \{\s*listen 80;(.*?)\n\}", (ROOT / "docker" / "nginx.conf").read_text(), re.S).group(1)
    assert "return 301 https://" in plain and "proxy_pass" not in plain


@pytest.mark.skipif(not (shutil.which("nginx") and shutil.which("openssl")), reason="nginx or openssl not installed")
def test_the_shipped_nginx_config_passes_nginx_t_with_a_self_signed_certificate(tmp_path):
    cert, key = tmp_path / "site.crt", tmp_path / "site.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=120,
    )
    site = (ROOT / "docker" / "nginx.conf").read_text()
    for name, value in {"NGINX_SSL_CERTIFICATE": cert, "NGINX_SSL_CERTIFICATE_KEY": key, "NGINX_HTTPS_PORT": 443}.items():
        site = site.replace("${" + name + "}", str(value))
    # Only what the container has and this machine lacks is swapped: the upstream's name, the include's path.
    site = site.replace("server web:8000;", "server 127.0.0.1:8000;")
    site = site.replace("/etc/nginx/closetspace-proxy.conf", str(ROOT / "docker" / "nginx-proxy.conf"))
    assert "${" not in site
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"error_log {tmp_path}/error.log;\npid {tmp_path}/nginx.pid;\nevents {{}}\n"
        f"http {{\n  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n{site}\n}}\n"
    )
    result = subprocess.run(["nginx", "-t", "-c", str(conf)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr
