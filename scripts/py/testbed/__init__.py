"""Python side of the testbed: load benchmark JSON, summarize cells, plot, write reports."""
