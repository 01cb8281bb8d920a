pytest_plugins = ["eyt_testing.browser"]
