"""The fusion network in Keras: text encoder + vision encoder → fused trunk → heads.

The object head also steers an attention over the per-class vision features, so the
answer and count heads see the evidence of the class that was asked about.
"""

from __future__ import annotations

from typing import Any

from homewatch.understanding.features import FeatureSpec
from homewatch.understanding.schema import INTENTS, MAX_COUNT, MAX_TOKENS, OBJECTS


def build(vocab_size: int, spec: FeatureSpec, width: int = 96) -> Any:
    import keras
    from keras import layers, ops

    n_cls, per = len(spec.classes), len(spec.per_class)
    tokens = keras.Input((MAX_TOKENS,), dtype="int32", name="tokens")
    vision = keras.Input((spec.size,), dtype="float32", name="vision")

    emb = layers.Embedding(vocab_size, 48, name="embed")(tokens)
    conv3 = layers.Conv1D(width, 3, padding="same", activation="relu", name="conv3")(emb)
    conv5 = layers.Conv1D(width, 5, padding="same", activation="relu", name="conv5")(conv3)
    text = layers.Concatenate(name="text_pool")([
        layers.GlobalMaxPooling1D()(conv3), layers.GlobalMaxPooling1D()(conv5)])
    text = layers.Dense(width, activation="relu", name="text_dense")(text)

    seen = layers.Dense(64, activation="relu", name="vision_dense1")(vision)
    seen = layers.Dense(64, activation="relu", name="vision_dense2")(seen)

    fused = layers.Concatenate(name="fuse")([text, seen])
    fused = layers.Dense(128, activation="relu", name="fused1")(fused)
    fused = layers.Dense(96, activation="relu", name="fused2")(fused)

    # What was asked does not depend on what the camera sees: intent and object read the
    # text alone; the answer and count heads read both.
    intent = layers.Dense(len(INTENTS), activation="softmax", name="intent")(text)
    obj = layers.Dense(len(OBJECTS), activation="softmax", name="object")(text)

    per_class = layers.Reshape((n_cls, per))(
        layers.Lambda(lambda v: v[:, : n_cls * per], name="class_features")(vision))
    weights = layers.Reshape((n_cls, 1))(
        layers.Lambda(lambda p: p[:, :n_cls], name="class_weights")(obj))
    attended = layers.Lambda(lambda a: ops.sum(a[0] * a[1], axis=1), name="attend")(
        [per_class, weights])
    strongest = layers.Lambda(lambda f: ops.max(f, axis=1), name="strongest")(per_class)
    # Added, not concatenated: int8 concatenation shares one scale, which would crush the
    # 0..1 evidence next to the trunk's wide activations.
    evidence = layers.Concatenate(name="evidence")([attended, strongest])

    def head(name: str) -> Any:
        joined = layers.Add(name=f"{name}_join")([
            layers.Dense(48, name=f"{name}_from_trunk")(fused),
            layers.Dense(48, name=f"{name}_from_evidence")(evidence)])
        return layers.Activation("relu", name=f"{name}_hidden")(joined)

    answer = layers.Dense(1, activation="sigmoid", name="answer")(head("answer"))
    count = layers.Dense(MAX_COUNT + 1, activation="softmax", name="count")(head("count"))
    return keras.Model({"tokens": tokens, "vision": vision},
                       {"intent": intent, "object": obj, "answer": answer, "count": count},
                       name="fusion")


def masked_bce(y_true: Any, y_pred: Any) -> Any:
    """Binary cross-entropy where the label is given (label < 0 means: no yes/no question)."""
    from keras import ops

    mask = ops.cast(y_true >= 0, "float32")
    target = ops.clip(y_true, 0.0, 1.0)
    pred = ops.clip(y_pred, 1e-6, 1 - 1e-6)
    loss = -(target * ops.log(pred) + (1 - target) * ops.log(1 - pred))
    return ops.sum(loss * mask) / ops.maximum(ops.sum(mask), 1.0)


def masked_sparse_ce(y_true: Any, y_pred: Any) -> Any:
    """Sparse categorical cross-entropy where the label is given (label < 0: none)."""
    from keras import ops

    labels = ops.reshape(y_true, (-1,))
    mask = ops.cast(labels >= 0, "float32")
    safe = ops.cast(ops.maximum(labels, 0), "int32")
    probs = ops.take_along_axis(y_pred, ops.expand_dims(safe, -1), axis=-1)[:, 0]
    loss = -ops.log(ops.clip(probs, 1e-6, 1.0))
    return ops.sum(loss * mask) / ops.maximum(ops.sum(mask), 1.0)
