"""Channel adapters: one per outside channel, all behind connectors.base.Connector.

Connectors never import the app: they get plain credentials and drafts, and return plain results.
"""
