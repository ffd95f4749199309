# SPDX-License-Identifier: MIT
# PlatformIO pre-script: compiles the core's freestanding sources (the core/ lines of
# freestanding_sources.txt: hex, M-Bus and HDLC frame, frame assembler) straight from the repository's
# core/, and puts core/include on the include path. The firmware's own sources are in the
# sketch folder (src_dir) and are built by PlatformIO as usual.
import os

Import("env")  # noqa: F821 (provided by PlatformIO's SCons)

project_dir = env.subst("$PROJECT_DIR")  # noqa: F821
repository = os.path.normpath(os.path.join(project_dir, "..", ".."))

with open(os.path.join(project_dir, "freestanding_sources.txt"), encoding="utf-8") as listing:
    sources = [line.strip() for line in listing if line.strip() and not line.startswith("#")]
core_sources = [os.path.basename(s) for s in sources if s.startswith("core/src/")]
if not core_sources:
    raise SystemExit("core_sources.py: no core/src/ files in freestanding_sources.txt")

env.Append(CPPPATH=[os.path.join(repository, "core", "include")])  # noqa: F821
env.BuildSources(  # noqa: F821
    os.path.join("$BUILD_DIR", "meter_core"),
    os.path.join(repository, "core", "src"),
    src_filter=["-<*>"] + ["+<%s>" % name for name in core_sources],
)
