#!/usr/bin/env python
"""Generate fixtures of the keras-io recurrent models with convolutions (tests/data/graphs_conv).

Usage::

    python tools/make_conv_model_fixtures.py [--venv DIR] [--out DIR] [--only NAME[,NAME...]]

The companion of tools/make_graph_fixtures.py, whose machinery it reuses
(the venv, the seeded inputs, ``randomize``, ``run_case`` and ``generate``:
the same files, ``cases.json``, ``refused.json`` and ``VERSIONS.json``, with
the same conventions). The cases are the recurrent models of keras-io
examples that also use convolutions, pooling, normalization or CTC (OCR
captcha, handwriting recognition, DeepSpeech2-like ASR, ConvLSTM next-frame
prediction, the active-learning review classifier, the LSTM +
BatchNormalization ``build_model`` of guides/working_with_rnns.py) built as
their sources define them with only the sizes shrunk, plus small
single-purpose cases (TimeDistributed(Conv2D), Conv1D + GlobalMaxPooling1D
after a masked Embedding, LayerNormalization after an LSTM, Softmax with a
mask). tests/data/graphs_conv/README.md describes the cases. Developer-only;
CI never runs it.
"""

import os
import sys
import warnings

import make_graph_fixtures as G
from fixture_venv import keras_fixture_main, KERAS_PACKAGES, REPO_ROOT, ensure_venv, rerun_in

DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "data", "graphs_conv")
TAG = "make_conv_model_fixtures"
B = G.B


def ensure_venv_and_reexec(args):
    py = ensure_venv(args.venv, "import tensorflow, keras, h5py", KERAS_PACKAGES, TAG)
    extra = ["--only", args.only] if args.only else []
    rerun_in(py, __file__, "--generate", "--venv", os.path.abspath(args.venv),
             "--out", os.path.abspath(args.out), *extra, tag=TAG)
    sys.exit(0)


def note(msg):
    """A line for cases.json (``warnings``): what happened to the example's
    training model around the saved inference model."""
    warnings.warn(f"[fixture note] {msg}", stacklevel=2)


def error_line(e):
    """The error on one line (Keras's multi-line messages joined, colour codes dropped)."""
    import re

    text = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", str(e)).split())
    if "Error encountered: " in text:      # Keras's wrapper around the real error
        text = text.split("Error encountered: ", 1)[1]
    return f"{type(e).__name__}: {text[:150]}"


# Cases --------------------------------------------------------------------
# Each builder takes the case's rng and returns (model, inputs), as in
# make_graph_fixtures.make_cases. The keras-io code is kept as written
# (names, arguments, order); only the sizes (marked "was ...") change.

def make_cases(C):  # noqa: ARG001 -- no custom objects are saved here
    import keras
    import tensorflow as tf
    from keras import layers, ops

    cases = {}

    def case(fn):
        cases[fn.__name__] = fn
        return fn

    # --- examples/vision/captcha_ocr.py ---------------------------------
    # img 200x50 -> 24x8, Conv 32/64 -> 4/4 filters, dense1 64 -> 6,
    # LSTM 128/64 -> 5/4, 19 characters -> 6 (dense2: 6 + [UNK] + 1 = 8).
    def captcha_ctc_batch_cost(y_true, y_pred, input_length, label_length):
        label_length = ops.cast(ops.squeeze(label_length, axis=-1), dtype="int32")
        input_length = ops.cast(ops.squeeze(input_length, axis=-1), dtype="int32")
        sparse_labels = ops.cast(
            captcha_ctc_label_dense_to_sparse(y_true, label_length), dtype="int32"
        )
        y_pred = ops.log(ops.transpose(y_pred, axes=[1, 0, 2]) + keras.backend.epsilon())
        return ops.expand_dims(
            tf.compat.v1.nn.ctc_loss(
                inputs=y_pred, labels=sparse_labels, sequence_length=input_length
            ),
            1,
        )

    def captcha_ctc_label_dense_to_sparse(labels, label_lengths):
        label_shape = ops.shape(labels)
        num_batches_tns = ops.stack([label_shape[0]])
        max_num_labels_tns = ops.stack([label_shape[1]])

        def range_less_than(old_input, current_input):
            return ops.expand_dims(ops.arange(ops.shape(old_input)[1]), 0) < tf.fill(
                max_num_labels_tns, current_input
            )

        init = ops.cast(tf.fill([1, label_shape[1]], 0), dtype="bool")
        dense_mask = tf.compat.v1.scan(
            range_less_than, label_lengths, initializer=init, parallel_iterations=1
        )
        dense_mask = dense_mask[:, 0, :]
        label_array = ops.reshape(
            ops.tile(ops.arange(0, label_shape[1]), num_batches_tns), label_shape
        )
        label_ind = tf.compat.v1.boolean_mask(label_array, dense_mask)
        batch_array = ops.transpose(
            ops.reshape(
                ops.tile(ops.arange(0, label_shape[0]), max_num_labels_tns),
                tf.reverse(label_shape, [0]),
            )
        )
        batch_ind = tf.compat.v1.boolean_mask(batch_array, dense_mask)
        indices = ops.transpose(
            ops.reshape(ops.concatenate([batch_ind, label_ind], axis=0), [2, -1])
        )
        vals_sparse = tf.compat.v1.gather_nd(labels, indices)
        return tf.SparseTensor(
            ops.cast(indices, dtype="int64"),
            vals_sparse,
            ops.cast(label_shape, dtype="int64"),
        )

    class CaptchaCTCLayer(layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = captcha_ctc_batch_cost

        def call(self, y_true, y_pred):
            batch_len = ops.cast(ops.shape(y_true)[0], dtype="int64")
            input_length = ops.cast(ops.shape(y_pred)[1], dtype="int64")
            label_length = ops.cast(ops.shape(y_true)[1], dtype="int64")
            input_length = input_length * ops.ones(shape=(batch_len, 1), dtype="int64")
            label_length = label_length * ops.ones(shape=(batch_len, 1), dtype="int64")
            loss = self.loss_fn(y_true, y_pred, input_length, label_length)
            self.add_loss(loss)
            return y_pred

    @case
    def kerasio_captcha_ocr(r):
        characters = sorted(list("abcdef"))
        char_to_num = layers.StringLookup(vocabulary=list(characters), mask_token=None)
        img_width, img_height = 24, 8

        def build_model(with_ctc=True):
            input_img = layers.Input(
                shape=(img_width, img_height, 1), name="image", dtype="float32"
            )
            labels = layers.Input(name="label", shape=(None,), dtype="float32")
            x = layers.Conv2D(4, (3, 3), activation="relu", kernel_initializer="he_normal",
                              padding="same", name="Conv1")(input_img)
            x = layers.MaxPooling2D((2, 2), name="pool1")(x)
            x = layers.Conv2D(4, (3, 3), activation="relu", kernel_initializer="he_normal",
                              padding="same", name="Conv2")(x)
            x = layers.MaxPooling2D((2, 2), name="pool2")(x)
            new_shape = ((img_width // 4), (img_height // 4) * 4)
            x = layers.Reshape(target_shape=new_shape, name="reshape")(x)
            x = layers.Dense(6, activation="relu", name="dense1")(x)
            x = layers.Dropout(0.2)(x)
            x = layers.Bidirectional(layers.LSTM(5, return_sequences=True, dropout=0.25))(x)
            x = layers.Bidirectional(layers.LSTM(4, return_sequences=True, dropout=0.25))(x)
            x = layers.Dense(
                len(char_to_num.get_vocabulary()) + 1, activation="softmax", name="dense2"
            )(x)
            if not with_ctc:
                # Not in the example: only when its CTCLayer cannot be made.
                return keras.models.Model(inputs=[input_img, labels], outputs=x,
                                          name="ocr_model_v1")
            output = CaptchaCTCLayer(name="ctc_loss")(labels, x)
            model = keras.models.Model(
                inputs=[input_img, labels], outputs=output, name="ocr_model_v1"
            )
            model.compile(optimizer=keras.optimizers.Adam())
            return model

        try:
            model = build_model()
        except Exception as e:  # noqa: BLE001 -- record what Keras says
            note(f"training model (with the custom CTCLayer) refused: {error_line(e)}; "
                 "the same layers up to dense2 built without it")
            keras.backend.clear_session()
            keras.utils.set_random_seed(1234)
            model = build_model(with_ctc=False)
        else:
            note("training model (with the custom CTCLayer) built; saved: prediction_model only")
        prediction_model = keras.models.Model(
            model.input[0], model.get_layer(name="dense2").output
        )
        return prediction_model, [r.random((B, img_width, img_height, 1)).astype("float32")]

    # --- examples/vision/handwriting_recognition.py ---------------------
    # img 128x32 -> 24x8, Conv 32/64 -> 4/4, dense1 64 -> 6, LSTM 128/64 ->
    # 5/4, 78 characters -> 6 (dense2: 6 + [UNK] + 2 = 9).
    class HandwritingCTCLayer(keras.layers.Layer):
        def __init__(self, name=None):
            super().__init__(name=name)
            self.loss_fn = keras.backend.ctc_batch_cost

        def call(self, y_true, y_pred):
            batch_len = tf.cast(tf.shape(y_true)[0], dtype="int64")
            input_length = tf.cast(tf.shape(y_pred)[1], dtype="int64")
            label_length = tf.cast(tf.shape(y_true)[1], dtype="int64")
            input_length = input_length * tf.ones(shape=(batch_len, 1), dtype="int64")
            label_length = label_length * tf.ones(shape=(batch_len, 1), dtype="int64")
            loss = self.loss_fn(y_true, y_pred, input_length, label_length)
            self.add_loss(loss)
            return y_pred

    @case
    def kerasio_handwriting_recognition(r):
        characters = sorted(list("abcdef"))
        char_to_num = layers.StringLookup(vocabulary=list(characters), mask_token=None)
        image_width, image_height = 24, 8

        def build_model(with_ctc=True):
            input_img = keras.Input(shape=(image_width, image_height, 1), name="image")
            labels = keras.layers.Input(name="label", shape=(None,))
            x = keras.layers.Conv2D(4, (3, 3), activation="relu",
                                    kernel_initializer="he_normal", padding="same",
                                    name="Conv1")(input_img)
            x = keras.layers.MaxPooling2D((2, 2), name="pool1")(x)
            x = keras.layers.Conv2D(4, (3, 3), activation="relu",
                                    kernel_initializer="he_normal", padding="same",
                                    name="Conv2")(x)
            x = keras.layers.MaxPooling2D((2, 2), name="pool2")(x)
            new_shape = ((image_width // 4), (image_height // 4) * 4)
            x = keras.layers.Reshape(target_shape=new_shape, name="reshape")(x)
            x = keras.layers.Dense(6, activation="relu", name="dense1")(x)
            x = keras.layers.Dropout(0.2)(x)
            x = keras.layers.Bidirectional(
                keras.layers.LSTM(5, return_sequences=True, dropout=0.25)
            )(x)
            x = keras.layers.Bidirectional(
                keras.layers.LSTM(4, return_sequences=True, dropout=0.25)
            )(x)
            x = keras.layers.Dense(
                len(char_to_num.get_vocabulary()) + 2, activation="softmax", name="dense2"
            )(x)
            if not with_ctc:
                # Not in the example: only when its CTCLayer cannot be made.
                return keras.models.Model(inputs=input_img, outputs=x,
                                          name="handwriting_recognizer")
            output = HandwritingCTCLayer(name="ctc_loss")(labels, x)
            model = keras.models.Model(
                inputs=[input_img, labels], outputs=output, name="handwriting_recognizer"
            )
            model.compile(optimizer=keras.optimizers.Adam())
            return model

        try:
            model = build_model()
        except Exception as e:  # noqa: BLE001 -- record what Keras says
            note(f"training model (with the custom CTCLayer) refused: {error_line(e)}; "
                 "the same layers up to dense2 built without it")
            keras.backend.clear_session()
            keras.utils.set_random_seed(1234)
            model = build_model(with_ctc=False)
        else:
            note("training model (with the custom CTCLayer) built; saved: prediction_model only")
        try:
            prediction_model = keras.models.Model(
                model.get_layer(name="image").input, model.get_layer(name="dense2").output
            )
        except Exception as e:  # noqa: BLE001
            note(f"Model(model.get_layer(name='image').input, ...) refused: {error_line(e)}; "
                 "used model.inputs[0]")
            prediction_model = keras.models.Model(
                model.inputs[0], model.get_layer(name="dense2").output
            )
        return prediction_model, [r.random((B, image_width, image_height, 1)).astype("float32")]

    # --- examples/audio/ctc_asr.py (DeepSpeech2-like) -------------------
    # fft_length 384 -> 32 (input_dim 17), rnn_units 512 -> 4, Conv2D 32
    # filters -> 3 (kernels and strides as written), 9 spectrogram frames;
    # rnn_layers=5 and the 31-entry vocabulary as written (output 32).
    @case
    def kerasio_ctc_asr(r):
        characters = [x for x in "abcdefghijklmnopqrstuvwxyz'?! "]
        char_to_num = keras.layers.StringLookup(vocabulary=characters, oov_token="")
        fft_length = 32

        def build_model(input_dim, output_dim, rnn_layers=5, rnn_units=128):
            """Model similar to DeepSpeech2."""
            input_spectrogram = layers.Input((None, input_dim), name="input")
            x = layers.Reshape((-1, input_dim, 1), name="expand_dim")(input_spectrogram)
            x = layers.Conv2D(filters=3, kernel_size=[11, 41], strides=[2, 2],
                              padding="same", use_bias=False, name="conv_1")(x)
            x = layers.BatchNormalization(name="conv_1_bn")(x)
            x = layers.ReLU(name="conv_1_relu")(x)
            x = layers.Conv2D(filters=3, kernel_size=[11, 21], strides=[1, 2],
                              padding="same", use_bias=False, name="conv_2")(x)
            x = layers.BatchNormalization(name="conv_2_bn")(x)
            x = layers.ReLU(name="conv_2_relu")(x)
            x = layers.Reshape((-1, x.shape[-2] * x.shape[-1]))(x)
            for i in range(1, rnn_layers + 1):
                recurrent = layers.GRU(
                    units=rnn_units,
                    activation="tanh",
                    recurrent_activation="sigmoid",
                    use_bias=True,
                    return_sequences=True,
                    reset_after=True,
                    name=f"gru_{i}",
                )
                x = layers.Bidirectional(
                    recurrent, name=f"bidirectional_{i}", merge_mode="concat"
                )(x)
                if i < rnn_layers:
                    x = layers.Dropout(rate=0.5)(x)
            x = layers.Dense(units=rnn_units * 2, name="dense_1")(x)
            x = layers.ReLU(name="dense_1_relu")(x)
            x = layers.Dropout(rate=0.5)(x)
            output = layers.Dense(units=output_dim + 1, activation="softmax")(x)
            model = keras.Model(input_spectrogram, output, name="DeepSpeech_2")
            # The example also passes loss=CTCLoss, its function around
            # keras.backend.ctc_batch_cost (absent from Keras 3); left out.
            model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-4))
            return model

        model = build_model(input_dim=fft_length // 2 + 1,
                            output_dim=char_to_num.vocabulary_size(), rnn_units=4)
        return model, [G.floats(r, 9, fft_length // 2 + 1)]

    # --- examples/vision/conv_lstm.py -----------------------------------
    # frames 64x64x1 -> 6x6x1, filters 64 -> 3 (kernels as written), 4 frames.
    @case
    def kerasio_conv_lstm(r):
        inp = layers.Input(shape=(None, 6, 6, 1))
        x = layers.ConvLSTM2D(filters=3, kernel_size=(5, 5), padding="same",
                              return_sequences=True, activation="relu")(inp)
        x = layers.BatchNormalization()(x)
        x = layers.ConvLSTM2D(filters=3, kernel_size=(3, 3), padding="same",
                              return_sequences=True, activation="relu")(x)
        x = layers.BatchNormalization()(x)
        x = layers.ConvLSTM2D(filters=3, kernel_size=(1, 1), padding="same",
                              return_sequences=True, activation="relu")(x)
        x = layers.Conv3D(filters=1, kernel_size=(3, 3, 3), activation="sigmoid",
                          padding="same")(x)
        model = keras.models.Model(inp, x)
        model.compile(loss=keras.losses.binary_crossentropy,
                      optimizer=keras.optimizers.Adam())
        return model, [r.random((B, 4, 6, 6, 1)).astype("float32")]

    # --- examples/nlp/active_learning_review_classification.py ----------
    # sequence 150 -> 8, vocabulary 3000 -> 30, embedding 128 -> 4,
    # LSTM 32 -> 3, Dense 20 -> 5.
    @case
    def kerasio_active_learning_review(r):
        def create_model():
            model = keras.models.Sequential(
                [
                    layers.Input(shape=(8,)),
                    layers.Embedding(input_dim=30, output_dim=4),
                    layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
                    layers.GlobalMaxPool1D(),
                    layers.Dense(5, activation="relu"),
                    layers.Dropout(0.5),
                    layers.Dense(1, activation="sigmoid"),
                ]
            )
            return model

        # Token ids as TextVectorization gives them (0 = padding, not masked).
        return create_model(), [G.tokens(r, 8, 30, "float32")]

    # --- guides/working_with_rnns.py build_model ------------------------
    # input_dim 28 -> 6, units 64 -> 5, output_size 10 -> 4; 7 rows.
    def build_model(allow_cudnn_kernel=True):
        input_dim, units, output_size = 6, 5, 4
        if allow_cudnn_kernel:
            lstm_layer = keras.layers.LSTM(units, input_shape=(None, input_dim))
        else:
            lstm_layer = keras.layers.RNN(
                keras.layers.LSTMCell(units), input_shape=(None, input_dim)
            )
        model = keras.models.Sequential(
            [
                lstm_layer,
                keras.layers.BatchNormalization(),
                keras.layers.Dense(output_size),
            ]
        )
        return model

    cases["kerasio_rnn_guide_build_model"] = \
        lambda r: (build_model(allow_cudnn_kernel=True), [r.random((B, 7, 6)).astype("float32")])
    cases["kerasio_rnn_guide_build_model_cell"] = \
        lambda r: (build_model(allow_cudnn_kernel=False), [r.random((B, 7, 6)).astype("float32")])

    # --- single-purpose cases -------------------------------------------
    L, I = layers, keras.Input  # noqa: E741

    @case
    def time_distributed_conv2d(r):
        frames = I((4, 6, 5, 2), name="frames")
        conv = L.TimeDistributed(L.Conv2D(3, (3, 3), activation="relu"), name="td_conv")(frames)
        x = L.TimeDistributed(L.MaxPooling2D((2, 2)), name="td_pool")(conv)
        x = L.TimeDistributed(L.Flatten(), name="td_flatten")(x)
        x = L.LSTM(4)(x)
        out = L.Dense(2)(x)
        return keras.Model(frames, [conv, out]), [G.floats(r, 4, 6, 5, 2)]

    @case
    def time_distributed_conv2d_same_strides(r):
        frames = I((None, 7, 6, 1), name="frames")
        x = L.TimeDistributed(L.Conv2D(2, (3, 2), strides=(2, 2), padding="same"))(frames)
        x = L.TimeDistributed(L.Flatten())(x)
        out = L.GRU(3, return_sequences=True)(x)
        return keras.Model(frames, out), [G.floats(r, 3, 7, 6, 1)]

    @case
    def conv1d_globalmaxpool_masked(r):
        tok = I((7,), dtype="int32", name="tokens")
        x = L.Embedding(20, 4, mask_zero=True)(tok)
        x = L.Conv1D(3, 3, activation="relu")(x)
        x = L.GlobalMaxPooling1D()(x)
        out = L.Dense(2)(x)
        return keras.Model(tok, out), [G.tokens(r, 7, 20)]

    @case
    def conv1d_same_globalmaxpool_masked(r):
        tok = I((7,), dtype="int32", name="tokens")
        x = L.Embedding(20, 4, mask_zero=True)(tok)
        x = L.Conv1D(3, 3, padding="same")(x)
        out = L.GlobalMaxPooling1D()(x)
        return keras.Model(tok, out), [G.tokens(r, 7, 20)]

    @case
    def embedding_globalmaxpool_masked(r):
        tok = I((7,), dtype="int32", name="tokens")
        x = L.Embedding(20, 4, mask_zero=True)(tok)
        out = L.GlobalMaxPooling1D()(x)
        return keras.Model(tok, out), [G.tokens(r, 7, 20)]

    @case
    def lstm_layernorm(r):
        x_in = I((6, 3), name="seq")
        x = L.LSTM(4, return_sequences=True)(x_in)
        x = L.LayerNormalization()(x)
        out = L.Dense(2)(x)
        return keras.Model(x_in, out), [G.floats(r, 6, 3)]

    @case
    def lstm_layernorm_masked(r):
        x_in = I((6, 3), name="seq")
        x = L.Masking(0.0)(x_in)
        x = L.LSTM(4, return_sequences=True)(x)
        x = L.LayerNormalization(epsilon=1e-3)(x)
        out = L.GRU(3)(x)
        return keras.Model(x_in, out), [G.masked_floats(r, 6, 3)]

    @case
    def softmax_masked(r):
        x_in, m = I((5,), name="features"), I((6,), dtype="bool", name="mask")
        scores = L.Dense(6)(x_in)
        out = L.Softmax()(scores, mask=m)
        return keras.Model([x_in, m], out), [G.floats(r, 5), G.bool_mask(6)]

    @case
    def softmax_masked_attention(r):
        # LSTM states scored per step, softmax over time with a bool mask.
        seq, m = I((6, 3), name="seq"), I((6,), dtype="bool", name="mask")
        h = L.LSTM(4, return_sequences=True)(seq)
        s = L.Dense(1)(h)
        s = L.Reshape((6,))(s)
        out = L.Softmax(axis=-1)(s, mask=m)
        return keras.Model([seq, m], out), [G.floats(r, 6, 3), G.bool_mask(6)]

    return cases


def generate(args):
    G.generate(args, make=make_cases, tag=TAG)


def main():
    keras_fixture_main(__doc__, DEFAULT_OUT, generate, ensure_venv_and_reexec,
                       hidden=("--only",))


if __name__ == "__main__":
    main()
