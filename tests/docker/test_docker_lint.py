"""The Docker files, checked without a container engine (the image itself is
built and run by tests/docker/test_image.sh, test.sh's `docker` stage):

- hadolint finds nothing in docker/Dockerfile, and every rule it is told to
  ignore has its reason on the comment line above the pragma;
- docker/compose.yaml is valid by the compose-spec JSON schema (the copy
  that check-jsonschema ships: nothing is downloaded), and a broken copy of
  it is not;
- the promises a student or a class relies on are in the files: a non-root
  final user, a HEALTHCHECK, the GPU reserved, the port on 127.0.0.1 only,
  the token from the environment, the DeepFloyd weights read-only."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
COMPOSE = ROOT / "docker" / "compose.yaml"
BIN = Path(sys.prefix) / "bin"


def run(*argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=120)


def test_hadolint_is_clean():
    r = run(str(BIN / "hadolint"), "--no-color", str(DOCKERFILE))
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr


def test_hadolint_finds_what_it_should():
    # the linter really runs: a RUN that pipes without pipefail is flagged
    r = subprocess.run([str(BIN / "hadolint"), "--no-color", "-"],
                       input="FROM debian:bookworm-slim\nRUN ls | wc -l\nUSER 1000\n",
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "DL4006" in r.stdout


def test_every_ignored_rule_says_why():
    lines = DOCKERFILE.read_text().splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"#\s*hadolint ignore=([\w,]+)\s*$", line)
        if not m:
            continue
        above = lines[i - 1] if i else ""
        assert above.startswith("#") and "hadolint" not in above, \
            f"line {i + 1}: say why {m.group(1)} is ignored on the line above"
        for rule in m.group(1).split(","):
            assert any(rule in l or "as above" in l for l in lines[max(0, i - 3):i]), \
                f"line {i + 1}: the reason above does not name {rule}"


def final_stage():
    text = DOCKERFILE.read_text()
    return text[text.rindex("\nFROM "):]


def test_final_image_promises():
    final = final_stage()
    users = re.findall(r"^USER\s+(\S+)", final, re.M)
    assert users and users[-1] == "1000"
    assert re.search(r"^HEALTHCHECK .*\n.*CMD", final, re.M)
    assert "jupyter kernelspec list" in final and "jupyter labextension list" in final
    assert re.search(r"^ARG BASE=debian:bookworm-slim$", DOCKERFILE.read_text(), re.M)
    # nothing secret baked in
    assert not re.search(r"(TOKEN|PASSWORD|SECRET)\s*=", DOCKERFILE.read_text())


def check_compose(path):
    return run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
               str(path))


def test_compose_matches_the_compose_spec():
    r = check_compose(COMPOSE)
    assert r.returncode == 0, r.stdout + r.stderr


def test_compose_schema_check_can_fail(tmp_path):
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text().replace("capabilities: [gpu]",
                                                  "capabilities: gpu"))
    r = check_compose(broken)
    assert r.returncode != 0, "the schema check accepted a string for capabilities"


@pytest.fixture(scope="module")
def compose():
    return YAML(typ="safe").load(COMPOSE.read_text())


def test_compose_gpu_cpu_port_token_volumes(compose):
    lab, cpu = compose["services"]["lab"], compose["services"]["lab-cpu"]
    devices = lab["deploy"]["resources"]["reservations"]["devices"]
    assert any("gpu" in d["capabilities"] for d in devices)
    assert lab["build"]["args"]["VARIANT"] == "gpu"
    assert cpu["build"]["args"]["VARIANT"] == "cpu" and "deploy" not in cpu
    assert "cpu" in cpu["profiles"]
    for svc in (lab, cpu):
        assert all(p.startswith("127.0.0.1:") for p in svc["ports"])
        assert svc["environment"]["JUPYTER_TOKEN"].startswith("${JUPYTER_TOKEN")
        weights = [v for v in svc["volumes"]
                   if isinstance(v, dict) and v["target"] == svc["environment"]["DIFFUSE_DEEPFLOYD"]]
        assert weights and weights[0]["read_only"] is True
        assert any(isinstance(v, str) and v.endswith(":/home/jovyan/work") for v in svc["volumes"])
