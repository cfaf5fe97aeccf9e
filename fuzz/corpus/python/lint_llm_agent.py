"""An LLM "data analyst" that runs the code the model writes."""
import subprocess

import requests
from langchain.agents import load_tools
from langchain_experimental.agents import create_pandas_dataframe_agent
from langchain_experimental.tools import PythonREPLTool
from openai import OpenAI

client = OpenAI()


def ask(question: str) -> str:
    completion = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": question}],
    )
    code = completion.choices[0].message.content
    exec(code)  # model output executed as Python
    return code


def agent(llm, df):
    tools = [PythonREPLTool()] + load_tools(["python_repl", "llm-math"], llm=llm)
    return create_pandas_dataframe_agent(llm, df, allow_dangerous_code=True), tools


def fetch_weights(url: str, dest: str):
    blob = requests.get(url, timeout=60, verify=False).content
    subprocess.run(f"tar -xzf {dest}", shell=True, check=True)
    return blob
