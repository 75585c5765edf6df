"""bench/stt: faster-whisper on the same audio, model directory and threads as our engine, greedy decoding with word
timestamps, for the side-by-side ratio. Usage: fw_compare.py WAV MODEL_DIR [COMPUTE] [THREADS]. Prints one Markdown
table row in bench/stt's format; the reference text is WAV with .txt in place of .wav."""
import re
import sys
import time
from pathlib import Path

from faster_whisper import WhisperModel


def wer(reference: str, hypothesis: str) -> float:
    norm = lambda s: [w for w in (re.sub(r"[^\w']", "", x).lower().replace("ё", "е") for x in s.split()) if w]
    r, h = norm(reference), norm(hypothesis)
    prev = list(range(len(h) + 1))
    for i in range(1, len(r) + 1):
        cur = [i] + [0] * len(h)
        for j in range(1, len(h) + 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r[i - 1] != h[j - 1]))
        prev = cur
    return prev[len(h)] / max(len(r), 1)


wav, model_dir = Path(sys.argv[1]), sys.argv[2]
compute = sys.argv[3] if len(sys.argv) > 3 else "int8"
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
t0 = time.time()
model = WhisperModel(model_dir, device="cpu", compute_type=compute, cpu_threads=threads)
load = time.time() - t0
t1 = time.time()
segments, info = model.transcribe(str(wav), beam_size=1, word_timestamps=True, vad_filter=False)
text = " ".join(s.text for s in segments)
took = time.time() - t1
audio = info.duration
reference = wav.with_suffix(".txt").read_text()
print(f"| faster-whisper | {Path(model_dir).name} | {compute} | {audio:.0f} s | {load:.2f} s | {took:.1f} s | "
      f"{took / audio:.3f} | {wer(reference, text) * 100:.1f} % |")

# faster-whisper's own batched pipeline (silero VAD cuts the audio into chunks, 4 decoded at once): the counterpart
# of our batch 4.
try:
    from faster_whisper import BatchedInferencePipeline

    t1 = time.time()
    segments, info = BatchedInferencePipeline(model).transcribe(str(wav), batch_size=4, beam_size=1, word_timestamps=True)
    text = " ".join(s.text for s in segments)
    took = time.time() - t1
    print(f"| faster-whisper (batched, 4) | {Path(model_dir).name} | {compute} | {audio:.0f} s | {load:.2f} s | "
          f"{took:.1f} s | {took / audio:.3f} | {wer(reference, text) * 100:.1f} % |")
except Exception as e:  # an older faster-whisper without the batched pipeline, or no VAD model
    print(f"| faster-whisper (batched, 4) | not run: {type(e).__name__} | | | | | | |")
