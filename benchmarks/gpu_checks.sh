#!/usr/bin/env bash
# The GPU checks, as one script: run it on a machine with an NVIDIA GPU, from the repository
# root, in an environment where lesionkit is installed with a CUDA-enabled TensorFlow
# (pip uninstall -y tensorflow-cpu && pip install 'tensorflow[and-cuda]' -e .).
# About 6-8 minutes on one H100, plus REAL_MINUTES (default 6) of real-data training of the
# REAL_RECIPES (default best) when ISIC2017 and HAM10000 are set; a lent machine may cap one
# command at 10 minutes, so run the real-data step alone there (ONLY_REAL=1). Every figure is printed with the device it came from;
# a failing step is reported and the next one still runs.
set -u
run() {
  echo
  echo "==> $*"
  timeout 300 "$@" || echo "!! exit $? from: $*"
}

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || echo "!! no nvidia-smi"
python -c "import tensorflow as tf; print('TensorFlow', tf.__version__, tf.config.list_physical_devices('GPU'))"
run python -m lesionkit info --purpose infer

if [ "${ONLY_REAL:-0}" != 1 ]; then
# Trainer vs plain model.fit at full size, mixed precision + XLA (for scale: NVIDIA's published
# TensorFlow ResNet-50 training figure on one A100 with AMP + XLA is 2,375 images/s).
run python benchmarks/train_step.py --same-process --size 224 --batch 256 --images 10240 --epochs 2 --precision mixed_float16 --jit
run python benchmarks/train_step.py --same-process --size 224 --batch 256 --images 10240 --epochs 2 --precision mixed_float16

# Can the input pipeline feed the GPU? tf-native vs imgaug augmentation, on the host's cores.
run python benchmarks/augment.py --batches 10 --rounds 2 --cores 1 "$(nproc)"
run python benchmarks/pipeline.py

# What the Trainer's checkpoints and logs cost per epoch at full size.
run python benchmarks/trainer_overhead.py --image-size 224 --train 2048 --epochs 3 --batch-size 128

# File prediction (decode + resize + model) vs a plain PIL + model.predict loop, at full size.
run python benchmarks/predict_throughput.py --size 224 --images 1024 --batch 128 --tta 4
fi

# Accuracy on real data at 224 px, when the datasets are given (ISIC2017=/path HAM10000=/path).
if [ -n "${ISIC2017:-}" ] && [ -n "${HAM10000:-}" ]; then
  minutes=${REAL_MINUTES:-6}
  timeout $((minutes * 60 * 2 + 300)) python benchmarks/real_accuracy.py --isic2017 "$ISIC2017" --ham10000 "$HAM10000" \
    --recipes "${REAL_RECIPES:-best}" --size 224 --minutes "$minutes" --json gpu_real_accuracy.json \
    || echo "!! exit $? from: benchmarks/real_accuracy.py"
else
  echo
  echo "==> skipped benchmarks/real_accuracy.py: set ISIC2017 and HAM10000 to the dataset folders to run it"
fi
