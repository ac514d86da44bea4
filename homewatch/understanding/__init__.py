"""The fusion model, gazetteer and dialog: transcripts + scene state → answers and actions."""
