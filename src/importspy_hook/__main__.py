"""``python -m importspy_hook``: the same command line as the ``importspy-hook`` script."""

from importspy_hook.cli import main

if __name__ == "__main__":
    main()
