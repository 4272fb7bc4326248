// Placeholder until the kaito-sim command is written.
print("kaito-sim: not implemented yet")
