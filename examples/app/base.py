"""What every plugin derives from."""


class BasePlugin:
    name = "base"

    def run(self) -> None:
        raise NotImplementedError
