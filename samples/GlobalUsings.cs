// Onnxc.Ir.Attribute (node attributes) is what this project means by Attribute, never System.Attribute.
global using Attribute = Onnxc.Ir.Attribute;
