"""``python -m medigraph``: the same as the ``medigraph`` command."""

from ._entry import main

if __name__ == "__main__":
    main()
