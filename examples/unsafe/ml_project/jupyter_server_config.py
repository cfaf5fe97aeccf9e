# Jupyter server reachable from anywhere without a token or password.
c = get_config()  # noqa: F821
c.ServerApp.ip = "0.0.0.0"
c.ServerApp.token = ""
c.ServerApp.password = ""
c.ServerApp.allow_origin = "*"
