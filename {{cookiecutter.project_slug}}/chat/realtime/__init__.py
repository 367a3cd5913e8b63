"""The real-time transport: the socket protocol, the process's hub and the send batcher.

It moves frames between sockets and the domain (chat/domain) and knows no rule of its own:
what may be sent, to whom, and what is stored is the domain's to say.
"""
