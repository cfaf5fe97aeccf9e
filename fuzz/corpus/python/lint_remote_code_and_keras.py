"""Loads third-party models with remote code and Keras safe mode turned off."""
import keras
from datasets import load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer, pipeline

MODEL = "some-org/custom-arch-7b"

tokenizer = AutoTokenizer.from_pretrained(MODEL, trust_remote_code=True)
model = AutoModelForCausalLM.from_pretrained(MODEL, trust_remote_code=True, revision="main")
generator = pipeline("text-generation", model=MODEL, trust_remote_code=True)
corpus = load_dataset("some-org/scripted-dataset", trust_remote_code=True)

keras.config.enable_unsafe_deserialization()
legacy = keras.models.load_model("legacy_lambda.keras", safe_mode=False)
