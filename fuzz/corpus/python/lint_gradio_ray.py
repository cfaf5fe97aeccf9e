import gradio as gr
gr.Blocks().queue().launch(server_name="::", auth=None)
import ray
ray.init(dashboard_host="0.0.0.0")
