"""Module code of the Transform, Tuner and Trainer components, split by concern.

The model is written against Keras 3 (`import keras`), deliberately: keras-tuner
1.4 builds and searches Keras 3 models, and tensorflow-transform's import sets
TF_USE_LEGACY_KERAS=1, which turns `tf.keras` into Keras 2. So nothing here uses
`tf.keras`; the Transform graph enters the export as TFT's transform layer
tracked by a plain tf.Module (models/export.py), never as a layer of the Keras model.
"""
