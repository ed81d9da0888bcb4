"""A programme's activities beyond its pairings: trainings, webinars, study visits, conferences,
leadership courses and its advisory board, with who was invited, who came, and their
documents."""
