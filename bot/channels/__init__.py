"""Chat channels: adapters between a chat network and the channel-neutral Inbound."""
