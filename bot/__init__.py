"""mentor-bot: the core. Domain packages, plus the composition root (cli, config, runtime) that wires them."""
