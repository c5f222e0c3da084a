print("runware-sim")
