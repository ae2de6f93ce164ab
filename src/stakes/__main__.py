from .cli import entry

if __name__ == "__main__":  # not in a spawned worker, which imports this module as ``__mp_main__``
    entry()
