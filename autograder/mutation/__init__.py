"""Mutation analysis of the course's solutions: do the hidden tests catch realistic bugs? (`course mutate`)"""
