"""The language of the home: intents, words, names and sentence templates, in one place.

Training, the recognizers and the dialog all read it, each compiled for its use.
"""
