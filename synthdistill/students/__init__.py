"""Student models trained on teacher-made data."""

from synthdistill.students.classifier import Classifier, load_classifier, train_classifier

__all__ = ["Classifier", "load_classifier", "train_classifier"]
