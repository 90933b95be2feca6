from importlib.metadata import version
__version__ = version("litellm-plugin-loggers-filters")
