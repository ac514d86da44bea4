"""Audio in, command transcripts out."""
