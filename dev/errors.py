class DevstackError(Exception):
    """A service could not be used or started; the message is meant for the operator."""
