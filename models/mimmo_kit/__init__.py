"""MimmoServe's model kit: train, evaluate, export and check MIMO-family classifiers for the server."""

FORMAT_VERSION = "1"
