#!/usr/bin/env bash
# Train the course's Part B models on all 60,000 digits, one epoch per run of
# the kernel, resuming after any stop.
#
#   scripts/train-course-models.sh [class|time|denoiser|denoiser-pure ...]
#
# With no names it trains all four, in that order.  Each model's full-precision
# state (weights, Adam, the learning-rate plan, shuffles and noise) lives in
# .cache/train/mnist-<name>-full.safetensors and is rewritten atomically after
# every epoch, so killing this script loses at most the epoch in progress;
# running it again goes on from the last whole epoch, exactly as an
# uninterrupted run would.  After the epochs the report shows (1, 5 and 10 for
# the flow models, 1 and 5 for the denoisers) it also writes the fp16 file
# that ships: models/mnist-<name>-e<N>.safetensors.
#
# Environment: DIFFUSE (the kernel binary, default build/diffuse).
set -euo pipefail
cd "$(dirname "$0")/.."

diffuse="${DIFFUSE:-build/diffuse}"
state=.cache/train
mkdir -p "$state"

# name: the constructor line, the epochs of the recipe, the epochs shipped.
recipe() {
    case "$1" in
        class)         echo 'unet "class" hidden=64|10|1 5 10' ;;
        time)          echo 'unet "time" hidden=64|10|1 5 10' ;;
        denoiser)      echo 'unet "denoiser" hidden=128|5|1 5' ;;
        denoiser-pure) echo 'unet "denoiser" hidden=128|5|1 5' ;;
        *) echo "train-course-models: unknown model '$1'" \
                "(class, time, denoiser, denoiser-pure)" >&2; return 1 ;;
    esac
}

# epochs_done of a checkpoint, read from its safetensors metadata (0: none).
epochs_done() {
    [ -f "$1" ] || { echo 0; return; }
    python3 - "$1" <<'EOF'
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    print(json.loads(f.read(n))["__metadata__"]["epochs_done"])
EOF
}

train_one() {
    local name=$1 spec make total ship full done script
    spec=$(recipe "$name")
    make=${spec%%|*}; spec=${spec#*|}
    total=${spec%%|*}; ship=${spec#*|}
    full="$state/mnist-$name-full.safetensors"
    done=$(epochs_done "$full")
    while [ "$done" -lt "$total" ]; do
        script="$state/mnist-$name-epoch.diffuse"
        {
            echo 'train_set = mnist "train"'
            if [ "$done" -eq 0 ]; then
                echo 'seed 180'
                echo "model = $make"
                if [ "$name" = denoiser-pure ]; then
                    echo "train model train_set epochs=1 plan=$total pure_noise=true"
                else
                    echo "train model train_set epochs=1 plan=$total"
                fi
            else
                echo "model = load_model \"$full\""
                echo 'train model train_set'
            fi
            echo "save_model model \"$full\""
            for e in $ship; do
                [ "$e" -eq $((done + 1)) ] &&
                    echo "save_model model \"models/mnist-$name-e$e.safetensors\" fp16=true optimizer=false"
            done
            echo 'model.loss'
        } > "$script"
        echo "train-course-models: $name epoch $((done + 1)) of $total ($(date -u +%H:%M:%S))"
        "$diffuse" --run "$script" | tail -n 2
        local before=$done
        done=$(epochs_done "$full")
        if [ "$done" -le "$before" ]; then
            echo "train-course-models: $name made no progress; see $script" >&2
            return 1
        fi
    done
    echo "train-course-models: $name done, $total epochs"
}

names=("$@")
[ ${#names[@]} -gt 0 ] || names=(class time denoiser denoiser-pure)
for n in "${names[@]}"; do recipe "$n" > /dev/null; done
for n in "${names[@]}"; do train_one "$n"; done
