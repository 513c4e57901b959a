"""Release assembly and publishing: mixture, group splits, training formats, export folder with a
dataset card computed from the data, Croissant metadata, Hub upload and version diffs."""
