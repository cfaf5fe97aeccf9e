"""Demo app shared on a public link without authentication."""
import gradio as gr


def predict(text):
    return text[::-1]


demo = gr.Interface(fn=predict, inputs="text", outputs="text")

if __name__ == "__main__":
    demo.launch(share=True, server_name="0.0.0.0")
